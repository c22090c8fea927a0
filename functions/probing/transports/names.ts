/** How a kind reaches its target; each has a module in this folder and its own target keys (config/schema.ts). */
export const TRANSPORT_NAMES = ['http', 'tcp', 'dns', 'tls'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];
