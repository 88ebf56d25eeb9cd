using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Uploader.Services
{
    public class S3Service
    {
        private const string accessKey = "{AKIA}";
        private const string secretKey = "{SECRET}";

        public AmazonS3Client Client { get; private set; }

        public S3Service()
        {
            AWSCredentials credentials = new BasicAWSCredentials(accessKey, secretKey);
            AmazonS3Config config = new AmazonS3Config();
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName("us-east-1");
            Client = new AmazonS3Client(credentials, config);
        }
    }
}
