// JSON values as they cross the wire: the type of every free-form payload (tool arguments and output,
// effect data, tag and entity data, metadata). The serializer copies these verbatim, nulls included.

export type JsonPrimitive = string | number | boolean | null;

export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;

export type JsonObject = { [key: string]: JsonValue };
