//! The API token: `STRAPI_TOKEN`, or an SSM SecureString read at a cold start and again when the
//! API refuses it (someone rotated it), so a rotation needs no redeploy and no new container.

use aws_sdk_ssm::error::DisplayErrorContext;

/// Where the token lives in SSM, to read it again.
pub struct SsmToken {
    client: aws_sdk_ssm::Client,
    name: String,
}

impl SsmToken {
    pub fn new(config: &aws_config::SdkConfig, name: &str) -> Self {
        Self { client: aws_sdk_ssm::Client::new(config), name: name.to_string() }
    }

    pub async fn read(&self) -> Result<String, String> {
        from_ssm(&self.client, &self.name).await
    }
}

/// The token from SSM parameter `name`, decrypted.
async fn from_ssm(client: &aws_sdk_ssm::Client, name: &str) -> Result<String, String> {
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
