//! The API token: `STRAPI_TOKEN`, or an SSM SecureString read once per cold start.

use aws_sdk_ssm::error::DisplayErrorContext;

/// The token from SSM parameter `name`, decrypted.
pub async fn from_ssm(config: &aws_config::SdkConfig, name: &str) -> Result<String, String> {
    let client = aws_sdk_ssm::Client::new(config);
    let out = client
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| format!("cannot read the API token from SSM parameter {name}: {}", DisplayErrorContext(&e)))?;
    out.parameter()
        .and_then(|p| p.value())
        .map(str::to_string)
        .ok_or_else(|| format!("SSM parameter {name} has no value"))
}
