import type { Server } from "node:http";
// Serves build/web on host:port (port 0 picks a free one).
export function serve(port?: number, host?: string): Promise<Server>;
