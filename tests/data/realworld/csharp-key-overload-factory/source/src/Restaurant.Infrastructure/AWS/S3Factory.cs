using Amazon;
using Amazon.S3;

namespace Restaurant.Infrastructure.AWS;

public static class S3Factory
{
    private const string AccessKey = "{AKIA}";
    private const string SecretKey = "{SECRET}";

    public static IAmazonS3 CreateS3Client()
    {
        var config = new AmazonS3Config
        {
            RegionEndpoint = RegionEndpoint.EUWest2
        };

        return new AmazonS3Client(AccessKey, SecretKey, config);
    }
}
