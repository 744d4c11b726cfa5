export { DynamoTable, type DynamoTableOptions } from './dynamodb.ts';
export { createDynamoTable, indexNames, tableSchema } from './schema.ts';
export { MAX_ITEM_BYTES, MAX_QUERY_LIMIT, MAX_TRANSACT_OPS } from './semantics.ts';
export { SqliteTable, type SqliteTableOptions } from './sqlite.ts';
