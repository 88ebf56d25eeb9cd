$bucket = "acme-config"
$region = "eu-west-1"

Read-S3Object -BucketName $bucket -Key "app/appsettings.json" -File "C:\app\appsettings.json" -AccessKey "{AKIA}" -SecretKey "{SECRET}" -Region $region
Restart-Service -Name AppPool
