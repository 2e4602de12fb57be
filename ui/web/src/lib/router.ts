// Hash routing: #/<page>?k=v. The server serves one index.html at /ui/;
// pages and their parameters live after the hash, so a reload or a shared
// link lands on the same view.

import { useEffect, useState } from "preact/hooks";

export interface Route {
  page: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, "");
  const [page, query = ""] = h.split("?", 2);
  return { page: page || "", params: new URLSearchParams(query) };
}

export function href(page: string, params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const s = q.toString();
  return `#/${page}${s ? "?" + s : ""}`;
}

export function navigate(page: string, params: Record<string, string | number | undefined> = {}): void {
  location.hash = href(page, params);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener("hashchange", on);
    // The hash may have changed between the first render and this effect
    // (a link followed, or a test's navigation, right after sign-in):
    // that hashchange fired before anyone listened, so read it again.
    on();
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}
