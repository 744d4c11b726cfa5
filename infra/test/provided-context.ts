/** What test/global-setup.ts provides to tests (`inject('dynamoEndpoint')`). */
declare module 'vitest' {
  export interface ProvidedContext {
    /** DynamoDB Local's endpoint, or '' when MEDIANEST_SKIP_DYNAMODB=1. */
    dynamoEndpoint: string;
  }
}

export {};
