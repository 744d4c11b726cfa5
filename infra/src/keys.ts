/** The KMS key behind the Keyring port (envelope encryption of household secrets). */
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from './stage.ts';

export class SecretsKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `MediaNest ${config.stage}: encrypts household secrets (Plex tokens, API keys)`,
      enableKeyRotation: true,
      alias: `alias/medianest-${config.stage}-secrets`,
      // Losing the key loses every stored secret: never delete it with the stack in prod.
      removalPolicy: config.removalPolicy,
    });
  }
}
