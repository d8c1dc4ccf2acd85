/**
 * The Host header check that keeps other web sites out. A page on `evil.example` can make the
 * browser resolve its own name to 127.0.0.1 (DNS rebinding) and then read this server as a
 * same-origin resource; the browser still sends `Host: evil.example`. So the server answers
 * only Host values that name this machine literally, and never a name that merely starts or
 * ends like one (`127.evil.com`, `127.0.0.1.attacker.example`, `[::1].evil.com`).
 */
import { isIPv4, isIPv6 } from "node:net";

/** `127.a.b.c` with each part a canonical decimal byte, as browsers send it. */
const LOOPBACK_IPV4 = /^127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** A Host header: a bracketed IPv6 literal or a name without `:`, then an optional port. */
const HOST_HEADER = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i;
/** Bind addresses that listen on every interface. */
const WILDCARDS = new Set(["0.0.0.0", "[::]", "[0:0:0:0:0:0:0:0]"]);

/**
 * Makes the check for a server bound to `bindHost` (the `--host` the user gave). It accepts a
 * Host header, with or without a port, that is:
 * - `localhost`, an IPv4 address in 127.0.0.0/8, or `[::1]`;
 * - exactly `bindHost` (a name the user chose to serve under);
 * - when `bindHost` is a wildcard (`0.0.0.0`, `::`), any literal IP address: the machine is
 *   then reached by one of its addresses, and a literal address cannot be rebound.
 * Anything else, a missing header included, is refused.
 */
export function hostCheck(bindHost: string): (header: string | undefined) => boolean {
  const exact = normalizeName(bindHost);
  const wildcard = WILDCARDS.has(exact);
  return (header) => {
    if (header === undefined) return false;
    const match = HOST_HEADER.exec(header);
    if (match === null) return false;
    const name = (match[1] as string).toLowerCase();
    if (name === "localhost" || name === "[::1]" || LOOPBACK_IPV4.test(name) || name === exact) return true;
    return wildcard && (isIPv4(name) || (name.startsWith("[") && isIPv6(name.slice(1, -1))));
  };
}

/** A bind address as it appears in a Host header: lower case, an IPv6 literal in brackets. */
function normalizeName(host: string): string {
  const name = host.toLowerCase();
  return isIPv6(name) ? `[${name}]` : name;
}
