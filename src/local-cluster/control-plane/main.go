// Command local-control-plane runs the real Kubernetes control plane pieces that
// `velero-ts local-cluster` needs, one per process, from a single binary:
//
//	local-control-plane pki DIR                 write a CA, serving and client certificates, a service-account key
//	local-control-plane etcd FLAGS              an embedded etcd server
//	local-control-plane kube-apiserver FLAGS    the kube-apiserver, exactly as upstream builds it
//	local-control-plane kube-controller-manager FLAGS
//
// Only the process management and the certificates are ours; the API server,
// the controllers and etcd are the upstream code.
package main

import (
	"fmt"
	"os"

	// Keeps the external-snapshotter client module (which ships the
	// snapshot.storage.k8s.io CRD manifests) in go.mod, so the build can copy them.
	_ "github.com/kubernetes-csi/external-snapshotter/client/v8/apis/volumesnapshot/v1"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: local-control-plane pki|etcd|kube-apiserver|kube-controller-manager [flags]")
		os.Exit(2)
	}
	sub, args := os.Args[1], os.Args[2:]
	switch sub {
	case "pki":
		if len(args) != 1 {
			fmt.Fprintln(os.Stderr, "usage: local-control-plane pki DIR")
			os.Exit(2)
		}
		if err := writePKI(args[0]); err != nil {
			fmt.Fprintln(os.Stderr, "pki:", err)
			os.Exit(1)
		}
	case "etcd":
		if err := runEtcd(args); err != nil {
			fmt.Fprintln(os.Stderr, "etcd:", err)
			os.Exit(1)
		}
	case "kube-apiserver":
		cmd := apiserver.NewAPIServerCommand()
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	case "kube-controller-manager":
		cmd := controllermanager.NewControllerManagerCommand()
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	default:
		fmt.Fprintf(os.Stderr, "unknown subcommand %q\n", sub)
		os.Exit(2)
	}
}
