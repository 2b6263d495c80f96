/**
 * JSON schemas for request bodies. Every field is a single string with a length cap (UTF-16
 * units, a loose outer bound; exact code-point rules live in the core). Unknown fields are
 * refused, and because type coercion is off, a field sent twice (which the form parser turns
 * into an array) or as an object fails validation with a 400 before any work is done.
 */
export const MAX_TEXT_LENGTH = 4096;
export const MAX_TOKEN_FIELD_LENGTH = 512;
export const MAX_ID_FIELD_LENGTH = 1024;
export const MAX_PASSWORD_FIELD_LENGTH = 4096;

export function stringField(maxLength: number, minLength = 0) {
  return { type: 'string', minLength, maxLength } as const;
}

export function bodySchema(
  properties: Readonly<Record<string, ReturnType<typeof stringField>>>,
  required: readonly string[],
) {
  return {
    type: 'object',
    properties,
    required,
    additionalProperties: false,
  } as const;
}

export const idField = stringField(MAX_ID_FIELD_LENGTH, 1);
export const tokenField = stringField(MAX_TOKEN_FIELD_LENGTH, 1);
export const passwordField = stringField(MAX_PASSWORD_FIELD_LENGTH);

/**
 * For routes whose body is optional (a Bearer header says it all): no body validates as an
 * empty one, instead of failing the object schema.
 */
export async function treatMissingBodyAsEmpty(request: { body: unknown }): Promise<void> {
  if (request.body === undefined || request.body === null) request.body = {};
}
