import { NavLink, Outlet } from "react-router";
import { KeyForm } from "./KeyForm";
import { useApiKey, useKeyNeeded } from "../api/key";

const SECTIONS = [
  ["/dashboard", "Dashboard"],
  ["/products", "Products"],
  ["/search", "Search by picture"],
  ["/runs", "Runs"],
  ["/failures", "Failures"],
  ["/ask", "Ask"],
] as const;

export function Layout() {
  const key = useApiKey();
  const keyNeeded = useKeyNeeded();
  return (
    <>
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">SightSearch</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map(([to, label]) => (
              <li key={to}><NavLink to={to}>{label}</NavLink></li>
            ))}
          </ul>
        </nav>
        {key && !keyNeeded && <KeyForm />}
      </header>
      <main id="main" tabIndex={-1}>
        {keyNeeded && <KeyForm reason={keyNeeded} />}
        <Outlet />
      </main>
    </>
  );
}
