/**
 * Where the alarms on vigil itself go: `alerts.meta` when the config names channels there, else wherever the
 * routes send an alert (the people the alerts topic reaches), but on the meta function's path (alarms/health.ts).
 */
import type { VigilConfig } from '../config/schema';

/** The config the meta path dispatches with: `alerts.meta` as its only route, or the routes unchanged. */
export function metaDispatchConfig(config: VigilConfig): VigilConfig {
  const meta = config.alerts.meta;
  return meta === undefined ? config : { ...config, routes: [{ channels: [...meta], continue: false }] };
}
