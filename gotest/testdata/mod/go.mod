module example.com/gotestfixture

go 1.26
