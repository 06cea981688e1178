//! The AWS SDK configuration, loaded on first use only: a run on a local file with metrics off
//! must not go looking for a region or credentials.

use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, SdkConfig};
use tokio::sync::OnceCell;

pub struct Aws {
    s3_endpoint_url: Option<String>,
    sdk: OnceCell<SdkConfig>,
    /// Shared by the input and the CCT table: one connection pool, not one per object.
    s3: OnceCell<aws_sdk_s3::Client>,
}

impl Aws {
    pub fn new(s3_endpoint_url: Option<String>) -> Self {
        Self { s3_endpoint_url, sdk: OnceCell::new(), s3: OnceCell::new() }
    }

    async fn sdk(&self) -> &SdkConfig {
        self.sdk
            .get_or_init(|| async {
                // Without a configured region the SDK refuses every call; an emulator ignores
                // the region, and us-east-1 is where a bucket of unknown region is asked first.
                let region = RegionProviderChain::default_provider().or_else("us-east-1");
                aws_config::defaults(BehaviorVersion::latest()).region(region).load().await
            })
            .await
    }

    /// An S3 client, on `S3_ENDPOINT_URL` when set.
    pub async fn s3(&self) -> aws_sdk_s3::Client {
        let sdk = self.sdk().await;
        self.s3.get_or_init(|| async { ingesta_s3::client(sdk, self.s3_endpoint_url.as_deref()) }).await.clone()
    }

    /// A CloudWatch client; the SDK's own `AWS_ENDPOINT_URL_CLOUDWATCH` overrides its endpoint.
    pub async fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(self.sdk().await)
    }
}
