// Hand-made backup archives for tests that need what velero-ts itself never writes.
import { gzipSync } from "node:zlib";
import { Header, type HeaderData } from "tar";

/** A tar.gz made of hand-written headers, so a test can put anything in them. */
export function craftedArchive(entries: (HeaderData & { body?: Buffer })[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { body = Buffer.alloc(0), ...fields } of entries) {
    const header = Buffer.alloc(512);
    new Header({ mode: 0o644, mtime: new Date(), size: body.length, ...fields }).encode(header);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
