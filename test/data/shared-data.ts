// Where the tests find the shared data sets (never copied into the repo): $MYELIN_DATA,
// else ../shared/data next to the checkout, else /work/shared/data; null when none exists.
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const SHARED_DATA: string | null = [process.env.MYELIN_DATA, resolve("../shared/data"), "/work/shared/data"].find((d): d is string => !!d && existsSync(d)) ?? null;
