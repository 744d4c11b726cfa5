/**
 * The public entry point: one CloudFront distribution serving the static web build from a private
 * bucket (origin access control) and routing `/api/*` to the HTTP API, so the browser sees a
 * single origin (session cookie, no CORS).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { CustomDomain } from './domain.ts';
import type { StageConfig } from './stage.ts';

/** `'sha256-…'` sources for every inline <script> of the app shell (the theme boot script). */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    if (match[1]!.trim() === '') continue;
    hashes.push(`'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`);
  }
  return hashes;
}

/**
 * The Content-Security-Policy of every response: scripts only from the site (plus the shell's own
 * inline scripts, by hash), connections only to the site and the WebSocket API, no framing.
 * Images may come from any https origin (Plex avatars); posters go through /api.
 */
export function contentSecurityPolicy(wsUrl: string, scriptHashes: string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.map((h) => ` ${h}`).join('')}`,
    // Solid sets style attributes at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "font-src 'self' data:",
    `connect-src 'self' ${wsUrl}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

// Client-side routes (/households/abc) have no file: serve the app shell for them. Paths whose
// last segment has a dot are files and are looked up as they are (a missing one is a real 404).
export const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('.', uri.lastIndexOf('/')) === -1) request.uri = '/index.html';
  return request;
}`;

export interface WebProps {
  config: StageConfig;
  /** `<id>.execute-api.<region>.amazonaws.com` of the HTTP API. */
  apiDomainName: string;
  /**
   * `<id>.execute-api.<region>.amazonaws.com` of the household agents' WebSocket API (stage
   * `agent`): `wss://<site>/agent` reaches it, the same URL as the self-hosted runtime's endpoint
   * and the one the portal shows admins.
   */
  agentApiDomainName?: string | undefined;
  /** The built web app (`web/.output/public`); without it the bucket is created empty. */
  webDir?: string | undefined;
  /** wss:// URL of the WebSocket API (allowed by the CSP's connect-src). */
  wsUrl: string;
  domain?: CustomDomain | undefined;
}

export class Web extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly securityHeaders: ResponseHeadersPolicy;
  readonly #domain: CustomDomain | undefined;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: props.config.removalPolicy,
    });

    const spaRewrite = new CloudFrontFunction(this, 'SpaRewrite', {
      code: FunctionCode.fromInline(SPA_REWRITE),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Serve index.html for client-side routes',
    });

    this.#domain = props.domain;
    const shell = props.webDir ? readFileSync(join(props.webDir, 'index.html'), 'utf8') : '';
    this.securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `MediaNest ${props.config.stage}: security headers on every response`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(props.wsUrl, inlineScriptHashes(shell)),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: [
          {
            header: 'Permissions-Policy',
            value: 'camera=(), microphone=(), geolocation=(), payment=()',
            override: true,
          },
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin-allow-popups', override: true },
        ],
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `MediaNest ${props.config.stage}`,
      ...(props.domain
        ? {
            domainNames: [props.domain.domainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
          }
        : {}),
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.securityHeaders,
        compress: true,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new HttpOrigin(props.apiDomainName, {
            protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
            readTimeout: Duration.seconds(30),
          }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          // Per-user answers: never cached at the edge; every header, cookie and query string
          // reaches the API except Host (API Gateway routes on its own host name).
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.securityHeaders,
          compress: true,
        },
        ...(props.agentApiDomainName
          ? {
              // The agents' WebSocket handshake (CloudFront passes WebSocket upgrades through): the
              // path `/agent` is the API's stage; every header (the agent's `Authorization: Bearer`,
              // the `Sec-WebSocket-*` ones) reaches $connect except Host; nothing is cached.
              '/agent': {
                origin: new HttpOrigin(props.agentApiDomainName, {
                  protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
                }),
                viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
                allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
                cachePolicy: CachePolicy.CACHING_DISABLED,
                originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                // An upgrade has no body to compress.
                compress: false,
              },
            }
          : {}),
      },
    });

    if (props.webDir) {
      // Hashed assets are immutable; the shell must be revalidated so a deploy is seen at once.
      // Two deployments, neither pruning, so the one never deletes the other's files.
      new BucketDeployment(this, 'Assets', {
        destinationBucket: this.bucket,
        sources: [Source.asset(props.webDir, { exclude: ['index.html'] })],
        cacheControl: [CacheControl.fromString('public, max-age=31536000, immutable')],
        prune: false,
      });
      new BucketDeployment(this, 'Shell', {
        destinationBucket: this.bucket,
        sources: [Source.asset(props.webDir, { exclude: ['*', '!index.html'] })],
        cacheControl: [CacheControl.noCache()],
        prune: false,
      });
    }
  }

  /** The URL users open: the custom domain when there is one. */
  get url(): string {
    return `https://${this.#domain?.domainName ?? this.distribution.distributionDomainName}`;
  }
}
