package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"

	"mall/services/platform/testenv"
)

// The manifests cannot be applied here (no cluster), so they are read the
// way the API server and kustomize would, and checked against the binary.

type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template podTemplate `yaml:"template"`
		// Service
		ServiceSelector map[string]string `yaml:"-"`
		Ports           []struct {
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
			Name       string `yaml:"name"`
		} `yaml:"ports"`
		// HorizontalPodAutoscaler
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas int   `yaml:"minReplicas"`
		MaxReplicas int   `yaml:"maxReplicas"`
		Metrics     []any `yaml:"metrics"`
	} `yaml:"spec"`
	raw map[string]any
}

type podTemplate struct {
	Metadata struct {
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	} `yaml:"metadata"`
	Spec struct {
		Containers []container `yaml:"containers"`
		Volumes    []struct {
			Name   string `yaml:"name"`
			Secret *struct {
				SecretName string `yaml:"secretName"`
			} `yaml:"secret"`
		} `yaml:"volumes"`
	} `yaml:"spec"`
}

type probe struct {
	GRPC *struct {
		Port int `yaml:"port"`
	} `yaml:"grpc"`
	TCPSocket *struct {
		Port int `yaml:"port"`
	} `yaml:"tcpSocket"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	EnvFrom []struct {
		ConfigMapRef struct {
			Name string `yaml:"name"`
		} `yaml:"configMapRef"`
	} `yaml:"envFrom"`
	Env []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name string `yaml:"name"`
	} `yaml:"volumeMounts"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
	} `yaml:"resources"`
}

func loadKustomization(t *testing.T) (dir string, resources []string, objects []k8sObject) {
	t.Helper()
	dir = filepath.Join(testenv.RepoRoot(t), "deploy", "k8s")
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name string `yaml:"name"`
		} `yaml:"images"`
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Images) != 1 || k.Images[0].Name != "mall" {
		t.Errorf("kustomization images %v: want the one image, mall", k.Images)
	}
	for _, file := range k.Resources {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("kustomization lists %s: %v", file, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var raw map[string]any
			err := dec.Decode(&raw)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var obj k8sObject
			doc, _ := yaml.Marshal(raw)
			if err := yaml.Unmarshal(doc, &obj); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if spec, ok := raw["spec"].(map[string]any); ok && obj.Kind == "Service" {
				if sel, ok := spec["selector"].(map[string]any); ok {
					obj.Spec.ServiceSelector = map[string]string{}
					for k, v := range sel {
						obj.Spec.ServiceSelector[k], _ = v.(string)
					}
				}
			}
			obj.raw = raw
			objects = append(objects, obj)
		}
	}
	return dir, k.Resources, objects
}

// TestKubernetesManifestsMatchTheBinary: every role runs as its own
// workload of the one image, with a real subcommand and flags, MALL_*
// variables that name its flags, the JWT secret mounted where the config
// says, every other secret it needs from a Secret object (none left at its
// default, none in the ConfigMap), gRPC health probes on a port it listens
// on, Prometheus on its ops port, resource requests; serve and writer scale
// with an HPA; services select real pods.
func TestKubernetesManifestsMatchTheBinary(t *testing.T) {
	dir, resources, objects := loadKustomization(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(resources, base) {
			t.Errorf("%s is not listed in kustomization.yaml", base)
		}
	}
	configs := map[string]map[string]string{}
	workloads := map[string]k8sObject{}
	for _, o := range objects {
		switch o.Kind {
		case "ConfigMap":
			configs[o.Metadata.Name] = o.Data
		case "Deployment", "Job":
			workloads[o.Metadata.Name] = o
		}
	}
	roles := map[string]bool{}
	for name, w := range workloads {
		if w.Kind == "Deployment" && !labelsMatch(w.Spec.Selector.MatchLabels, w.Spec.Template.Metadata.Labels) {
			t.Errorf("%s: selector %v does not select its pods %v", name, w.Spec.Selector.MatchLabels, w.Spec.Template.Metadata.Labels)
		}
		for _, c := range w.Spec.Template.Spec.Containers {
			where := name + "/" + c.Name
			if c.Image != "mall" {
				t.Errorf("%s: image %q, want mall (set by kustomize)", where, c.Image)
			}
			if len(c.Args) == 0 {
				t.Errorf("%s: no mall subcommand", where)
				continue
			}
			cfg, sub := cliFor(t, c.Args[0])
			if sub == nil {
				t.Errorf("%s: %q is not a mall subcommand", where, c.Args[0])
				continue
			}
			roles[c.Args[0]] = true
			if err := sub.ParseFlags(c.Args[1:]); err != nil {
				t.Errorf("%s: args %v: %v", where, c.Args, err)
			}
			env := map[string]string{}
			for _, from := range c.EnvFrom {
				data, ok := configs[from.ConfigMapRef.Name]
				if !ok {
					t.Errorf("%s: envFrom names unknown ConfigMap %s", where, from.ConfigMapRef.Name)
				}
				for k, v := range data {
					env[k] = v
				}
			}
			fromSecret := map[string]bool{}
			for _, e := range c.Env {
				value := e.Value
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					ref := e.ValueFrom.SecretKeyRef
					value, fromSecret[e.Name] = "from-secret:"+ref.Name+"/"+ref.Key, true
				}
				env[e.Name] = value
			}
			checkEnv(t, where, sub, env)
			mounted := false
			for _, v := range w.Spec.Template.Spec.Volumes {
				if v.Secret != nil && v.Secret.SecretName == "mall-jwt" && slices.ContainsFunc(c.VolumeMounts, func(m struct {
					Name string `yaml:"name"`
				}) bool {
					return m.Name == v.Name
				}) {
					mounted = true
				}
			}
			if keyFile := env["MALL_JWT_KEY_FILE"]; keyFile != "" && !mounted {
				t.Errorf("%s: reads %s but does not mount the mall-jwt secret", where, keyFile)
			}
			for _, problem := range productionProblems(cfg, sub, env, fromSecret, mounted) {
				t.Errorf("%s: %s", where, problem)
			}
			if annotations := w.Spec.Template.Metadata.Annotations; annotations["prometheus.io/scrape"] == "true" {
				port := annotations["prometheus.io/port"]
				declared := slices.ContainsFunc(c.Ports, func(p struct {
					Name          string `yaml:"name"`
					ContainerPort int    `yaml:"containerPort"`
				}) bool {
					return strconv.Itoa(p.ContainerPort) == port
				})
				if port == "" || port != opsPort(sub) || !declared {
					t.Errorf("%s: Prometheus scrapes port %q; /metrics are on the ops port %q (declared: %t)", where, port, opsPort(sub), declared)
				}
			}
			if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" {
				t.Errorf("%s: no cpu and memory requests", where)
			}
			if w.Kind == "Job" {
				continue
			}
			ports := map[int]bool{}
			for _, p := range c.Ports {
				ports[p.ContainerPort] = true
			}
			for kind, p := range map[string]*probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
				switch {
				case p == nil:
					t.Errorf("%s: no %s probe", where, kind)
				case p.GRPC != nil:
					if !ports[p.GRPC.Port] {
						t.Errorf("%s: %s probe on port %d, which it does not declare", where, kind, p.GRPC.Port)
					}
				case c.Args[0] != "paysim": // the simulator has no gRPC health
					t.Errorf("%s: %s probe is not gRPC health", where, kind)
				}
			}
		}
	}
	for _, role := range []string{"migrate", "serve", "worker", "writer", "paysim"} {
		if !roles[role] {
			t.Errorf("no workload runs `mall %s`", role)
		}
	}
	scaled := map[string]bool{}
	for _, o := range objects {
		switch o.Kind {
		case "HorizontalPodAutoscaler":
			target, ok := workloads[o.Spec.ScaleTargetRef.Name]
			if !ok || target.Kind != "Deployment" || o.Spec.ScaleTargetRef.Kind != "Deployment" {
				t.Errorf("HPA %s scales unknown %s %s", o.Metadata.Name, o.Spec.ScaleTargetRef.Kind, o.Spec.ScaleTargetRef.Name)
			}
			if o.Spec.MinReplicas < 1 || o.Spec.MaxReplicas < o.Spec.MinReplicas || len(o.Spec.Metrics) == 0 {
				t.Errorf("HPA %s: min %d max %d metrics %v", o.Metadata.Name, o.Spec.MinReplicas, o.Spec.MaxReplicas, o.Spec.Metrics)
			}
			scaled[o.Spec.ScaleTargetRef.Name] = true
		case "Service":
			var selected *k8sObject
			for _, w := range workloads {
				if w.Kind == "Deployment" && labelsMatch(o.Spec.ServiceSelector, w.Spec.Template.Metadata.Labels) {
					selected = &w
				}
			}
			if selected == nil {
				t.Errorf("Service %s selects no pods (%v)", o.Metadata.Name, o.Spec.ServiceSelector)
				continue
			}
			for _, p := range o.Spec.Ports {
				name, _ := p.TargetPort.(string)
				found := false
				for _, c := range selected.Spec.Template.Spec.Containers {
					for _, cp := range c.Ports {
						found = found || cp.Name == name
					}
				}
				if !found {
					t.Errorf("Service %s targets port %v, which %s does not name", o.Metadata.Name, p.TargetPort, selected.Metadata.Name)
				}
			}
		}
	}
	for _, want := range []string{"serve", "writer"} {
		if !scaled[want] {
			t.Errorf("no HorizontalPodAutoscaler for %s", want)
		}
	}
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}
