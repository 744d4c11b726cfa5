/**
 * The optional custom domain, from context: `-c domainName=medianest.example.com
 * -c certificateArn=arn:aws:acm:us-east-1:…:certificate/…`. The certificate is referenced by ARN
 * (never looked up), so synth stays offline; DNS is the operator's (a CNAME or an alias record to
 * the distribution's domain name, printed as the `DistributionDomainName` output).
 */

export interface CustomDomain {
  domainName: string;
  /** An ACM certificate in us-east-1 (CloudFront only accepts those) covering `domainName`. */
  certificateArn: string;
}

const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/;

const blank = (v: unknown) => v === undefined || v === null || v === '';

export function parseCustomDomain(domainName: unknown, certificateArn: unknown): CustomDomain | undefined {
  if (blank(domainName) && blank(certificateArn)) return undefined;
  if (blank(domainName) || blank(certificateArn)) {
    throw new Error(
      'context "domainName" and "certificateArn" go together: give both (custom domain) or neither (the CloudFront domain)',
    );
  }
  const domain = String(domainName).trim().toLowerCase();
  if (!DOMAIN.test(domain)) {
    throw new Error(
      `context "domainName" must be a host name such as medianest.example.com; got ${JSON.stringify(domainName)}`,
    );
  }
  const arn = String(certificateArn).trim();
  const match = CERTIFICATE_ARN.exec(arn);
  if (!match) {
    throw new Error(
      `context "certificateArn" must be an ACM certificate ARN; got ${JSON.stringify(certificateArn)}`,
    );
  }
  if (match[1] !== 'us-east-1') {
    throw new Error(`CloudFront only uses ACM certificates from us-east-1; this one is in ${match[1]}`);
  }
  return { domainName: domain, certificateArn: arn };
}
