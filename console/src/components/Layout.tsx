import { useEffect, useRef } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
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
  const main = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {  // after a client-side navigation, keyboard and screen-reader users start at the new page
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [pathname]);
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
      <main id="main" tabIndex={-1} ref={main}>
        {keyNeeded && <KeyForm reason={keyNeeded} />}
        <Outlet />
      </main>
    </>
  );
}
