import type { ItemSpool } from "./item-spool.js";

/** One item of a backup as read back from the spool. */
export interface IndexedItem {
  namespace?: string;
  name: string;
  body: Buffer;
}

/** offset, name length, body length, namespace id (-1: cluster-scoped). */
const FIELDS = 4;

/**
 * The items of one group-resource in a backup, in archive order. Each item's name and body sit
 * side by side in the spool; memory keeps four numbers per item, so a restore's index stays small
 * however many items the backup holds.
 */
export class ResourceItems {
  #table = new Float64Array(FIELDS * 64);
  #length = 0;
  readonly #namespaceIds = new Set<number>();
  #clusterScoped = false;

  constructor(
    private readonly spool: ItemSpool,
    /** Namespace names by id, shared by every resource of the backup. */
    private readonly namespaceNames: readonly string[],
  ) {}

  get length(): number {
    return this.#length;
  }

  async add(namespaceId: number | undefined, name: string, body: Buffer): Promise<void> {
    const nameBytes = Buffer.from(name, "utf8");
    const ref = await this.spool.append(Buffer.concat([nameBytes, body]));
    if (this.#table.length < (this.#length + 1) * FIELDS) {
      const grown = new Float64Array(this.#table.length * 2);
      grown.set(this.#table);
      this.#table = grown;
    }
    const at = this.#length * FIELDS;
    this.#table[at] = ref.offset;
    this.#table[at + 1] = nameBytes.length;
    this.#table[at + 2] = body.length;
    this.#table[at + 3] = namespaceId ?? -1;
    if (namespaceId === undefined) this.#clusterScoped = true;
    else this.#namespaceIds.add(namespaceId);
    this.#length++;
  }

  namespaceAt(i: number): string | undefined {
    const id = this.#table[i * FIELDS + 3]!;
    return id < 0 ? undefined : this.namespaceNames[id];
  }

  /** The namespaces its items are in; undefined stands for cluster-scoped items. */
  namespaces(): (string | undefined)[] {
    const named = [...this.#namespaceIds].map((id) => this.namespaceNames[id]);
    return this.#clusterScoped ? [undefined, ...named] : named;
  }

  /** An item's name, without reading its body. */
  async nameAt(i: number): Promise<string> {
    const at = i * FIELDS;
    const name = await this.spool.read({ offset: this.#table[at]!, length: this.#table[at + 1]! });
    return name.toString("utf8");
  }

  async read(i: number): Promise<IndexedItem> {
    const at = i * FIELDS;
    const nameLength = this.#table[at + 1]!;
    const record = await this.spool.read({
      offset: this.#table[at]!,
      length: nameLength + this.#table[at + 2]!,
    });
    const namespace = this.namespaceAt(i);
    return {
      ...(namespace !== undefined ? { namespace } : {}),
      name: record.toString("utf8", 0, nameLength),
      body: record.subarray(nameLength),
    };
  }
}
