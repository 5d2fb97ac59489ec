import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";

/** Request options that send a body as a JSON merge patch. */
export const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
