// Errors in the shapes the real service sends: JSON API errors (`{error:{code,message,errors}}`, which
// the client turns into an ApiError with a numeric `code`) and XML API errors for path-style URLs.

export class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly location?: { type: string; name: string },
  ) {
    super(message);
    this.name = 'GcsError';
  }

  /** The JSON API body; the client reads `error.code` as the status and `error.errors` as details. */
  toJson(): { error: { code: number; message: string; errors: Array<Record<string, string>> } } {
    const detail: Record<string, string> = { message: this.message, domain: 'global', reason: this.reason };
    if (this.location) {
      detail.locationType = this.location.type;
      detail.location = this.location.name;
    }
    return { error: { code: this.status, message: this.message, errors: [detail] } };
  }

  /** The XML API body: signed URLs are served by the XML API, which answers in XML. */
  toXml(): string {
    return (
      "<?xml version='1.0' encoding='UTF-8'?>" +
      `<Error><Code>${xmlEscape(this.reason)}</Code><Message>${xmlEscape(this.message)}</Message></Error>`
    );
  }
}

export const preconditionFailed = (): GcsError =>
  new GcsError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.', {
    type: 'header',
    name: 'If-Match',
  });

export const noSuchObject = (bucket: string, name: string): GcsError => new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);

export const noSuchBucket = (bucket: string): GcsError => new GcsError(404, 'notFound', `The specified bucket does not exist: ${bucket}`);

export const badRequest = (message: string): GcsError => new GcsError(400, 'invalid', message);

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
