// The library's search index as a static JSON file (see ../library.ts), in the order of the library's rows.
import type { APIRoute } from "astro";
import { siteData } from "../data.ts";
import { libraryEntry } from "../library.ts";

export const GET: APIRoute = () => new Response(JSON.stringify(siteData().prompts.map(libraryEntry)), { headers: { "content-type": "application/json" } });
