import com.amazonaws.auth.{AWSStaticCredentialsProvider, BasicAWSCredentials}
import com.amazonaws.regions.Regions
import com.amazonaws.services.s3.{AmazonS3, AmazonS3ClientBuilder}

object AmazonS3Config {
  private val accessKeyId = "{AKIA}"
  private val secretAccessKey = "{SECRET}"
  private val clientRegion = Regions.EU_CENTRAL_1
  private val credentials = new BasicAWSCredentials(accessKeyId, secretAccessKey)

  val bucketName = "reports-task1"
  val pathS3 = "./src/main/resources/s3"

  val client: AmazonS3 = AmazonS3ClientBuilder.standard()
    .withCredentials(new AWSStaticCredentialsProvider(credentials))
    .withRegion(clientRegion)
    .build()
}
