/** DataBucket: one private, versioned, encrypted bucket whose noncurrent versions expire, optionally moving to Glacier. */
import { mockRuntime, NAMING_CONTEXT, TAGS } from "./mocks";
import { DataBucket, Naming, NONCURRENT_VERSION_EXPIRATION_DAYS } from "@env-parity/components";

const rt = mockRuntime();
const naming = new Naming(NAMING_CONTEXT);
let kms: DataBucket;

beforeAll(async () => {
  kms = new DataBucket("kms", { naming, resource: "raw-bucket", sseAlgorithm: "aws:kms", tags: TAGS });
  new DataBucket("aes", {
    naming,
    resource: "receipts-bucket",
    sseAlgorithm: "AES256",
    glacierTransition: { days: 90, enabled: false },
    tags: TAGS,
  });
  await rt.settle();
});

describe("DataBucket", () => {
  it("names the bucket from the naming convention, known at preview", () => {
    expect(kms.bucketName).toBe("dev-svc-raw-bucket-x1");
    expect(kms.bucketArn).toBe("arn:aws:s3:::dev-svc-raw-bucket-x1");
    expect(rt.one("aws:s3/bucket:Bucket", "dev-svc-raw-bucket").inputs).toMatchObject({
      bucket: "dev-svc-raw-bucket-x1",
      forceDestroy: true,
      tags: TAGS,
    });
  });

  it("versioning on, every public access blocked", () => {
    expect(rt.one("aws:s3/bucketVersioning:BucketVersioning", "dev-svc-raw-bucket-versioning").inputs).toMatchObject({
      bucket: "dev-svc-raw-bucket-id",
      versioningConfiguration: { status: "Enabled" },
    });
    expect(
      rt.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "dev-svc-raw-bucket-public-access-block").inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  it("encrypts with the algorithm given; a Bucket Key only with aws:kms", () => {
    const sse = (name: string) =>
      rt.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", name).inputs
        .rules;
    expect(sse("dev-svc-raw-bucket-encryption")).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true },
    ]);
    expect(sse("dev-svc-receipts-bucket-encryption")).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: false },
    ]);
  });

  it("expires noncurrent versions; the Glacier rule exists where asked, its status is the one difference", () => {
    const rules = (name: string) =>
      rt.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", name).inputs.rules;
    expect(rules("dev-svc-raw-bucket-lifecycle")).toEqual([
      expect.objectContaining({
        id: "expire-noncurrent-versions",
        status: "Enabled",
        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_EXPIRATION_DAYS },
      }),
    ]);
    expect(rules("dev-svc-receipts-bucket-lifecycle")[1]).toEqual({
      id: "transition-to-glacier",
      status: "Disabled",
      filter: {},
      transitions: [{ days: 90, storageClass: "GLACIER" }],
    });
  });

  it("parents its five resources in the component and registers name and ARN", () => {
    const component = rt.one("env-parity:storage:DataBucket", "kms");
    expect(rt.registered.filter((r) => r.parent === component.urn)).toHaveLength(5);
    expect(component.outputs).toEqual({
      bucketName: "dev-svc-raw-bucket-x1",
      bucketArn: "arn:aws:s3:::dev-svc-raw-bucket-x1",
    });
  });

  it("refuses a Glacier transition after a non-positive or fractional number of days", () => {
    const args = { naming, resource: "b", sseAlgorithm: "AES256" as const, tags: TAGS };
    expect(() => new DataBucket("b0", { ...args, glacierTransition: { days: 0, enabled: true } })).toThrow(
      /bucket dev-svc-b: glacierTransition.days must be a positive integer, got 0/,
    );
    expect(() => new DataBucket("b1", { ...args, glacierTransition: { days: 1.5, enabled: true } })).toThrow(/1.5/);
  });
});
