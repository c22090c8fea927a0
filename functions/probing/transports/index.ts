/** The transports, one module each; a kind names its own (kinds/), http when it names none. */
import { dns } from './dns';
import { http } from './http';
import type { TransportName } from './names';
import { tcp } from './tcp';
import { tls } from './tls';
import type { Transport } from './types';

export const TRANSPORTS = { http, tcp, dns, tls } satisfies { [N in TransportName]: Transport<N> };
