/**
 * The table layout as the adapters define it (`tableSchema` in core), flattened into the few
 * names CloudFormation needs: the table the code expects and the one deployed cannot drift apart.
 */
import { indexNames, tableSchema } from '@medianest/core/adapter/table/schema';

export const tableKeys = {
  pk: tableSchema.partitionKey,
  sk: tableSchema.sortKey,
  ttl: tableSchema.ttlAttribute,
} as const;

export const tableIndexes = indexNames.map((name) => ({ name, ...tableSchema.indexes[name] }));
