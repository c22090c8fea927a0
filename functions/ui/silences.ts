/** The page's silences panel: silences from the alert state and the config's maintenance windows, as rows. */
import type { VigilConfig } from '../config/schema';
import type { AlertStateStore } from '../state/item-store';
import { maintenanceSilences } from '../state/maintenance';
import { formatMatcher } from '../state/matchers';
import { type ListedSilence, listSilences } from '../state/silences';
import type { SilenceRow } from './routes';

/** Maintenance windows are listed with ids `maintenance:<name>` (state/maintenance.ts). */
const MAINTENANCE_ID_PREFIX = 'maintenance:';

function row(silence: ListedSilence): SilenceRow {
  return {
    id: silence.id,
    kind: silence.id.startsWith(MAINTENANCE_ID_PREFIX) ? 'maintenance' : 'silence',
    state: silence.state,
    matchers: silence.matchers.map(formatMatcher).join(' '),
    startsAt: silence.startsAt,
    endsAt: silence.endsAt,
    createdBy: silence.createdBy,
    comment: silence.comment,
  };
}

/** What `createUi({ silences })` reads: every silence the state keeps, then the windows' current or next occurrence. */
export function silenceRows(
  state: AlertStateStore,
  config: Pick<VigilConfig, 'maintenance'>,
  now: () => number,
): () => Promise<SilenceRow[]> {
  return async () => {
    const at = now();
    return [...(await listSilences(state, at)), ...maintenanceSilences(config.maintenance, at)].map(row);
  };
}
