module example.com/gotesttimeout

go 1.26
