import fs from "node:fs/promises";
import net from "node:net";

/**
 * A port on 127.0.0.1 that nothing listens on, taken from below the kernel's ephemeral range.
 * A port the kernel hands out for listen(0) comes from that range, and any outgoing connection
 * can take it before the component it was chosen for binds: start-ups failed now and then with
 * "address already in use". Below the range only another listener can take it.
 */
export async function freePort(): Promise<number> {
  const low = await ephemeralRangeStart();
  if (low === undefined || low <= FIRST_CHOSEN_PORT + 1000) return kernelPort();
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FIRST_CHOSEN_PORT + Math.floor(Math.random() * (low - FIRST_CHOSEN_PORT));
    if (!(await portInUse(port))) return port;
  }
  return kernelPort();
}

const FIRST_CHOSEN_PORT = 10_000;

/** The first port of Linux's ephemeral range, or undefined where it cannot be read. */
async function ephemeralRangeStart(): Promise<number | undefined> {
  const range = await fs.readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8").catch(() => "");
  const low = Number(range.trim().split(/\s+/)[0]);
  return Number.isInteger(low) && low > 0 ? low : undefined;
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something already listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) =>
      err.code === "EADDRINUSE" || err.code === "EACCES" ? resolve(true) : reject(err),
    );
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(false)));
  });
}
