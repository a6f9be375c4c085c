// Types of what scripts/cluster.mjs exports, for test/cluster-script.test.ts.
import type { Server } from 'node:http';

export interface ClusterOptions {
  gateways: number;
  standby: boolean;
  port: number | undefined;
  balancer: 'nginx' | 'node';
  keep: boolean;
  help: boolean;
}

/** The command line, checked; throws naming the option and the rule. */
export function parseOptions(argv: string[]): ClusterOptions;
/** The nginx configuration of the balancer in front of `gateways` (base URLs), everything kept in `dir`. */
export function nginxConfig(options: { dir: string; port: number; gateways: string[] }): string;
/** nginx's configuration written into the new folder `dir` and checked; the program and arguments that run it. */
export function prepareNginx(options: { dir: string; port: number; gateways: string[] }): { file: string; args: string[] };
/** The command and arguments that run `file` as `nobody` under root (through setpriv), else as they are. */
export function unprivileged(file: string, args: string[]): [string, string[]];
/** The balancer used when nginx is absent (not listening yet). */
export function createBalancer(gateways: string[]): Server;
/** The lines of a log that say why a process failed, as one line. */
export function failureLine(log: string): string;
