/** The `parquet` source type: declared in the config; reading it follows in the next commit. */
import type { SourceConfigOf } from '../../config/schema.js';
import { KeySyncError } from '../../errors.js';
import type { SourceType } from '../source-type.js';

export const parquetSourceType: SourceType<SourceConfigOf<'parquet'>> = {
  type: 'parquet',
  open(system) {
    throw new KeySyncError('USAGE', 'usage', `System ${system}: parquet sources are not readable yet.`);
  },
};
