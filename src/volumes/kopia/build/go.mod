module velero-ts/kopia-build

go 1.26

require github.com/kopia/kopia v0.16.0

replace github.com/kopia/kopia => github.com/project-velero/kopia v0.0.0-20251230033609-d946b1e75197
