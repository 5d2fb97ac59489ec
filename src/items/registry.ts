/**
 * The item actions of a backup or restore, found by group-resource: those registered for it by
 * name, then those registered for `*`, each list in the order the actions were registered.
 */
export class ItemActionRegistry<A extends { readonly name: string; readonly appliesTo: readonly string[] }> {
  readonly #byResource = new Map<string, A[]>();

  constructor(readonly actions: readonly A[]) {
    const names = new Set<string>();
    for (const a of actions) {
      if (names.has(a.name)) throw new Error(`item action ${a.name} is registered twice`);
      names.add(a.name);
    }
  }

  /** The actions that apply to items of this group-resource. */
  for(groupResource: string): A[] {
    let found = this.#byResource.get(groupResource);
    if (!found) {
      found = [
        ...this.actions.filter((a) => a.appliesTo.includes(groupResource)),
        ...this.actions.filter((a) => a.appliesTo.includes("*") && !a.appliesTo.includes(groupResource)),
      ];
      this.#byResource.set(groupResource, found);
    }
    return found;
  }

  named(name: string): A | undefined {
    return this.actions.find((a) => a.name === name);
  }
}
