/** CDK entry (`cdk.json` → `node src/app.ts`): `cdk synth -c stage=prod` picks the stage. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { parseCustomDomain } from './domain.ts';
import { repoRoot } from './paths.ts';
import { MediaNestStack } from './stack.ts';
import { parseStage } from './stage.ts';

const app = new App();
const stage = parseStage(app.node.tryGetContext('stage'));
const webDir = join(repoRoot, 'web', '.output', 'public');
const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');
// Environment-agnostic on purpose: synth needs no AWS credentials and makes no lookups.
new MediaNestStack(app, `MediaNest-${stage}`, {
  stage,
  description: `MediaNest (${stage}): hosted portal for Plex households`,
  // `npm run build:web` first; without a build the stack deploys the API only.
  webDir: existsSync(join(webDir, 'index.html')) ? webDir : undefined,
  alarmEmail: typeof alarmEmail === 'string' && alarmEmail !== '' ? alarmEmail : undefined,
  domain: parseCustomDomain(app.node.tryGetContext('domainName'), app.node.tryGetContext('certificateArn')),
});
app.synth();
