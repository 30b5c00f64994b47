/** The `sqlite` source type: declared in the config; reading it follows in the next commit. */
import type { SourceConfigOf } from '../../config/schema.js';
import { KeySyncError } from '../../errors.js';
import type { SourceType } from '../source-type.js';

export const sqliteSourceType: SourceType<SourceConfigOf<'sqlite'>> = {
  type: 'sqlite',
  open(system) {
    throw new KeySyncError('USAGE', 'usage', `System ${system}: sqlite sources are not readable yet.`);
  },
};
