require 'aws-sdk'
Aws.config.update(
  credentials:
    Aws::Credentials.new(
      '{AKIA}',
      '{SECRET}'
    ),
  region: 'us-east-1'
)
