// Command example creates an EC P-256 key on the TSB (or the emulator), makes a CSR, signs,
// and verifies the CSR and the signature locally with crypto/x509 and crypto/ecdsa.
// Standard library only. Reads TSB_URL (default http://127.0.0.1:8080).
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
)

var tsbURL = strings.TrimSuffix(envOr("TSB_URL", "http://127.0.0.1:8080"), "/")

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

func call(method, path string, body any, out any) {
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			log.Fatal(err)
		}
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, tsbURL+path, reader)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		log.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			log.Fatal(err)
		}
	}
}

func main() {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	label := "example-go-" + hex.EncodeToString(suffix)

	var info struct {
		JSON struct {
			PublicKey string `json:"publicKey"`
		} `json:"json"`
	}
	call("POST", "/v1/key", map[string]any{
		"label":      label,
		"algorithm":  "EC",
		"curveOid":   "1.2.840.10045.3.1.7",
		"attributes": map[string]bool{"decrypt": false, "sign": true, "unwrap": false, "destroyable": true},
		"policy":     nil,
	}, &info)
	spki, err := base64.StdEncoding.DecodeString(info.JSON.PublicKey)
	if err != nil {
		log.Fatal(err)
	}
	parsed, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		log.Fatal(err)
	}
	publicKey, ok := parsed.(*ecdsa.PublicKey)
	if !ok {
		log.Fatalf("not an EC key: %T", parsed)
	}
	fmt.Println("created", label)

	var csrResp struct {
		CSR string `json:"certificateSigningRequest"`
	}
	call("POST", "/v1/certificate/synchronous/request", map[string]any{
		"signKeyName":                   label,
		"signatureAlgorithm":            "SHA256_WITH_ECDSA",
		"validity":                      365,
		"standardCertificateAttributes": map[string]string{"commonName": label, "country": "CH"},
	}, &csrResp)
	block, _ := pem.Decode([]byte(csrResp.CSR))
	if block == nil {
		log.Fatalf("not PEM: %q", csrResp.CSR)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		log.Fatal(err)
	}
	if err := csr.CheckSignature(); err != nil {
		log.Fatal("the CSR's signature: ", err)
	}
	if !publicKey.Equal(csr.PublicKey) {
		log.Fatal("the CSR holds another public key")
	}
	fmt.Println("CSR verifies, subject", csr.Subject)

	message := []byte("Hello TSB")
	var signed struct {
		Signature string `json:"signature"`
	}
	call("POST", "/v1/synchronousSign", map[string]any{"signRequest": map[string]any{
		"payload":            base64.StdEncoding.EncodeToString(message),
		"payloadType":        "UNSPECIFIED",
		"signKeyName":        label,
		"signatureAlgorithm": "SHA256_WITH_ECDSA",
		"signatureType":      "DER",
	}}, &signed)
	signature, err := base64.StdEncoding.DecodeString(signed.Signature)
	if err != nil {
		log.Fatal(err)
	}
	digest := sha256.Sum256(message)
	if !ecdsa.VerifyASN1(publicKey, digest[:], signature) {
		log.Fatal("the signature does not verify")
	}
	fmt.Println("signature verifies (crypto/ecdsa)")

	call("DELETE", "/v1/key/"+label, nil, nil)
	fmt.Println("ok")
}
