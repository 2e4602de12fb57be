package injector

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxReview bounds an AdmissionReview body (the API server sends at most
// a few MB).
const maxReview = 8 << 20

// Handler serves /mutate.
type Handler struct {
	Settings Settings
	Log      *slog.Logger
}

// ServeHTTP answers one AdmissionReview.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "injector: POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		http.Error(w, fmt.Sprintf("injector: Content-Type %q, want application/json", ct), http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReview+1))
	if err != nil || len(body) > maxReview {
		http.Error(w, "injector: request body unreadable or too large", http.StatusRequestEntityTooLarge)
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(w, "injector: body is not an AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	resp := h.Mutate(review.Request)
	out := admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}, Response: resp}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// Mutate decides one admission request.
func (h *Handler) Mutate(req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	if req.Kind.Kind != "Pod" || (req.Operation != "" && req.Operation != admissionv1.Create) {
		return resp
	}
	if req.Namespace == metav1.NamespaceSystem || req.Namespace == metav1.NamespacePublic {
		return resp
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return deny(resp, "injector: the object is not a Pod: "+err.Error())
	}
	patch, err := h.PatchFor(&pod)
	if err != nil {
		h.log().Warn("injection refused", "namespace", req.Namespace, "pod", podName(&pod), "error", err)
		return deny(resp, err.Error())
	}
	if patch == nil {
		return resp
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	h.log().Info("agent injected", "namespace", req.Namespace, "pod", podName(&pod))
	return resp
}

// PatchFor returns the JSON patch for pod, or nil when it asks for no
// injection (or already has one).
func (h *Handler) PatchFor(pod *corev1.Pod) ([]byte, error) {
	a := readAnnotations(pod.Annotations)
	inject, err := a.boolean("agent-inject", false)
	if err != nil || !inject {
		return nil, err
	}
	if st, _ := a.get("agent-inject-status"); st == "injected" {
		return nil, nil
	}
	sp, err := newSpec(a, h.Settings)
	if err != nil {
		return nil, err
	}
	ops, err := sp.patch(pod, a.prefix+"agent-inject-status")
	if err != nil {
		return nil, err
	}
	return json.Marshal(ops)
}

func deny(resp *admissionv1.AdmissionResponse, msg string) *admissionv1.AdmissionResponse {
	resp.Allowed = false
	resp.Result = &metav1.Status{Status: metav1.StatusFailure, Message: msg, Code: http.StatusBadRequest}
	return resp
}

func podName(p *corev1.Pod) string {
	if p.Name != "" {
		return p.Name
	}
	return p.GenerateName
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.Default()
	}
	return h.Log
}
