package auth

import (
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/palwiz/palwiz/azure/cloud"
)

var (
	hintsR = cache.ReplaceHints{}
	hintsE = cache.ExportHints{}
)

func testCloud() *cloud.Cloud { return cloud.NewPublic(cloud.Options{}) }
