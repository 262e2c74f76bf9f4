import { Navigate, type RouteObject } from "react-router";
import { Layout } from "./components/Layout";
import { NotFound } from "./pages/NotFound";

// Every top-level path here is also in CLIENT_SECTIONS of src/sightsearch/api/console.py, which answers a reload
// of any of them with the app (tests/console checks the two lists agree). Pages load on demand: the first
// screen only fetches the code it shows.
export const routes: RouteObject[] = [
  {
    path: "/",
    Component: Layout,
    children: [
      { index: true, element: <Navigate to="/dashboard" replace /> },
      { path: "dashboard", lazy: () => import("./pages/Dashboard").then((m) => ({ Component: m.Dashboard })) },
      { path: "products", lazy: () => import("./pages/Products").then((m) => ({ Component: m.Products })) },
      { path: "products/:id", lazy: () => import("./pages/ProductDetail").then((m) => ({ Component: m.ProductDetail })) },
      { path: "search", lazy: () => import("./pages/Search").then((m) => ({ Component: m.Search })) },
      { path: "runs", lazy: () => import("./pages/Runs").then((m) => ({ Component: m.Runs })) },
      { path: "failures", lazy: () => import("./pages/Failures").then((m) => ({ Component: m.Failures })) },
      { path: "ask", lazy: () => import("./pages/Ask").then((m) => ({ Component: m.Ask })) },
      { path: "*", Component: NotFound },
    ],
  },
];
