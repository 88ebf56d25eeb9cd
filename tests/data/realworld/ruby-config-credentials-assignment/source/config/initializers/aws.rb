Aws.config[:credentials] = Aws::Credentials.new(
  '{AKIA}',
  '{SECRET}',
)
Aws.config[:region] = ENV['AWS_REGION']

S3 = Aws::S3::Client.new
