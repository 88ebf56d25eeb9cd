using Amazon.S3;
using System;
using System.Threading.Tasks;
using Amazon;

class Program
{
    private const string accessKey = "{AKIA}";
    private const string secretKey = "{SECRET}";

    static void Main(string[] args)
    {
        Task.Run(MainAsync).GetAwaiter().GetResult();
    }

    private static async Task MainAsync()
    {
        var config = new AmazonS3Config
        {
            RegionEndpoint = RegionEndpoint.USEast1,
            ServiceURL = "http://localhost:9000",
            ForcePathStyle = true
        };
        var amazonS3Client = new AmazonS3Client(accessKey, secretKey, config);
        var listBucketResponse = await amazonS3Client.ListBucketsAsync();
        Console.Out.WriteLine(listBucketResponse.Buckets.Count);
    }
}
