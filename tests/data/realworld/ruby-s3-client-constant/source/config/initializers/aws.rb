require 'aws-sdk-s3'

S3Client = Aws::S3::Client.new(
  access_key_id: '{AKIA}',
  secret_access_key: '{SECRET}',
  region: 'eu-central-1'
)
