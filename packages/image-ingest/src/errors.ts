// The errors image ingest raises itself: a generated image its checks refused, with the reason.
// It is an InvalidContent of @switchyard/errors, which gives it its code and status.
import { InvalidContent } from '@switchyard/errors';

/** Why an image was refused (`ImageRejectReason` of @switchyard/metrics counts them). */
export type RejectReason = 'too_large' | 'unknown_format' | 'format_mismatch' | 'too_many_pixels' | 'unreadable';

export class ImageRejected extends InvalidContent {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}
