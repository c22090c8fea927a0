/**
 * `vigil dev --locations N [--fail-location I]...`: N simulated probe locations on this machine, named local-1 …
 * local-N, each probing every target for real and publishing with its own Location dimension, as the deployed
 * locations do; the alarms are the deployed quorum alarms (alarms/quorum.ts) over them. A failing location
 * (`--fail-location I`) reports every target down: its publisher turns each ProbeSuccess into 0, which is what
 * CloudWatch would receive from a region that cannot reach the targets. One failing location of three does not
 * page (quorum 2); two do.
 */
import type { VigilConfig } from '../config/schema';
import { STANDARD_METRICS } from '../metrics/datums';
import type { Publisher } from '../probing/cycle';

export const LOCAL_LOCATION_PREFIX = 'local-';

export interface SimulatedLocations {
  count: number;
  /** 1-based indexes of the locations that see every target fail. */
  failing: readonly number[];
}

export interface SimulatedLocation {
  name: string;
  failing: boolean;
}

/** The config with its locations replaced by the simulated ones (a configured quorum kept if it still fits). */
export function withSimulatedLocations(
  config: VigilConfig,
  simulated: SimulatedLocations,
): { config: VigilConfig; locations: SimulatedLocation[] } {
  const locations = Array.from({ length: simulated.count }, (_, index) => ({
    name: `${LOCAL_LOCATION_PREFIX}${index + 1}`,
    failing: simulated.failing.includes(index + 1),
  }));
  const { quorum, ...probe } = config.probe;
  return {
    config: {
      ...config,
      probe: {
        ...probe,
        locations: locations.map((location) => location.name),
        ...(quorum !== undefined && quorum <= simulated.count ? { quorum } : {}),
      },
    },
    locations,
  };
}

/** What a location that cannot reach any target publishes: every ProbeSuccess 0, the rest as measured. */
export function failingLocationPublisher(inner: Publisher): Publisher {
  return (namespace, datums, signal) =>
    inner(
      namespace,
      datums.map((datum) => (datum.MetricName === STANDARD_METRICS.success ? { ...datum, Value: 0 } : datum)),
      signal,
    );
}
