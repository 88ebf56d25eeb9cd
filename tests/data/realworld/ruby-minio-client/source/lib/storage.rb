require 'aws-sdk-s3'

Aws.config.update(
  endpoint: 'http://minio:9000',
  access_key_id: '{AKIA}',
  secret_access_key: '{SECRET}',
  force_path_style: true,
  region: 'us-east-1'
)
