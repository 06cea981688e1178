//! `ingesta verify [FILE] --api URL`: hands the CMS client and the opened file to
//! [`ingesta_verify`]. Read-only: only GET requests.

use crate::args::VerifyArgs;
use crate::{aws, input};
use ingesta_client::{ClientConfig, StrapiClient};
use ingesta_verify::Verified;

pub async fn verify(args: &VerifyArgs) -> anyhow::Result<Verified> {
    let cfg =
        ClientConfig { token: args.read_only.token.clone().filter(|t| !t.is_empty()), ..ClientConfig::new(&args.api) };
    let client = StrapiClient::new(cfg)?;
    let opened = match &args.input {
        Some(path) => {
            Some(input::Input::parse(path)?.open(&aws::Aws::new(args.read_only.aws.s3_endpoint_url.clone())).await?)
        }
        None => None,
    };
    let source = opened.as_ref().map(|o| o.source.as_ref());
    ingesta_verify::verify(&client, source)
        .await
        .map_err(|e| anyhow::anyhow!("cannot verify against {}: {e}", args.api))
}
