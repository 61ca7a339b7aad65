// Command cloud-sdk-client drives a Pulumi Cloud-compatible REST API with Pulumi's own generated Go
// client (github.com/pulumi/pulumi-cloud-sdk/go), so that Stackyard's answers are decoded by
// Pulumi's types: strict enums, RFC 3339 times, the exact JSON field names.
//
// Usage: cloud-sdk-client -base-url https://127.0.0.1:8443 -token-file FILE [-ca FILE] < script.jsonl
//
// Each input line is one operation, e.g. {"op":"GetTeam","org":"acme","team":"ops"}; each output line
// is its outcome: {"op":…,"ok":true,"result":…} with the result as the SDK decoded it (re-encoded),
// or {"op":…,"ok":false,"status":404,"error":"…"}. The exit status is 0 when the script was read,
// whatever the outcomes; the caller judges them.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pulumi/pulumi-cloud-sdk/go/apiclient"
	"github.com/pulumi/pulumi-cloud-sdk/go/apitype"
)

// step is one line of the operation script. Only the fields an operation uses are read.
type step struct {
	Op                string          `json:"op"`
	Org               string          `json:"org"`
	Login             string          `json:"login"`
	Team              string          `json:"team"`
	Project           string          `json:"project"`
	Stack             string          `json:"stack"`
	RoleID            string          `json:"roleId"`
	UXPurpose         string          `json:"uxPurpose"`
	TokenID           string          `json:"tokenId"`
	Filter            *string         `json:"filter"`
	ContinuationToken *string         `json:"continuationToken"`
	StartTime         *int64          `json:"startTime"`
	EndTime           *int64          `json:"endTime"`
	Body              json.RawMessage `json:"body"`
}

type outcome struct {
	Op     string `json:"op"`
	OK     bool   `json:"ok"`
	Result any    `json:"result,omitempty"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// decodeBody reads a request body into the SDK's own request type, refusing fields it does not have.
func decodeBody[T any](raw json.RawMessage) (T, error) {
	var value T
	if len(raw) == 0 {
		return value, nil
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	err := decoder.Decode(&value)
	return value, err
}

// operations maps each supported operationId to the SDK call that performs it.
var operations = map[string]func(context.Context, *apiclient.CloudClient, step) (any, error){
	"ListOrganizationMembers": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListOrganizationMembers(ctx, s.Org, s.ContinuationToken, nil, nil)
	},
	"AddOrganizationMember": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.AddOrganizationMemberRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return c.AddOrganizationMember(ctx, s.Org, s.Login, body)
	},
	"UpdateOrganizationMember": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.UpdateOrganizationMemberRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return nil, c.UpdateOrganizationMember(ctx, s.Org, s.Login, body)
	},
	"DeleteOrganizationMember": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return nil, c.DeleteOrganizationMember(ctx, s.Org, s.Login)
	},
	"ListTeams": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListTeams(ctx, s.Org)
	},
	"CreatePulumiTeam": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.CreatePulumiTeamRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return c.CreatePulumiTeam(ctx, s.Org, body)
	},
	"GetTeam": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.GetTeam(ctx, s.Org, s.Team)
	},
	"UpdateTeam": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.UpdateTeamRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return nil, c.UpdateTeam(ctx, s.Org, s.Team, body)
	},
	"DeleteTeam": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return nil, c.DeleteTeam(ctx, s.Org, s.Team)
	},
	"ListOrgTokens": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListOrgTokens(ctx, s.Org, s.ContinuationToken, s.Filter, nil, nil, nil, nil)
	},
	"CreateOrgToken": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.CreateOrgAccessTokenRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return c.CreateOrgToken(ctx, s.Org, nil, body)
	},
	"DeleteOrgToken": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return nil, c.DeleteOrgToken(ctx, s.Org, s.TokenID)
	},
	"GetCurrentUser": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.GetCurrentUser(ctx)
	},
	"GetDefaultOrganization": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.GetDefaultOrganization(ctx)
	},
	"Capabilities": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.Capabilities(ctx)
	},
	"ListUserStacks": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		var organization *string
		if s.Org != "" {
			organization = &s.Org
		}
		return c.ListUserStacks(ctx, s.ContinuationToken, nil, organization, nil, nil, nil, nil)
	},
	"GetStack": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.GetStack(ctx, s.Org, s.Project, s.Stack)
	},
	"GetLatestStackUpdate": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.GetLatestStackUpdate(ctx, s.Org, s.Project, s.Stack)
	},
	"ListStackTeams": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListStackTeams(ctx, s.Org, s.Project, s.Stack)
	},
	"UpdateTeamStackPermissions": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.UpdateTeamStackPermissionsRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return nil, c.UpdateTeamStackPermissions(ctx, s.Org, s.Project, s.Stack, s.Team, body)
	},
	"ListStackPermissions": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListStackPermissions(ctx, s.Org, s.Project, s.Stack)
	},
	"ListMemberStackPermissions": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListMemberStackPermissions(ctx, s.Org, s.Login, s.Project, s.Stack)
	},
	"GetOrganization": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.GetOrganization(ctx, s.Org)
	},
	"GetOrganizationMetadata": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.GetOrganizationMetadata(ctx, s.Org)
	},
	"UpdateOrganizationSettings": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.UpdateOrganizationRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return c.UpdateOrganizationSettings(ctx, s.Org, body)
	},
	"ListPersonalTokens": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListPersonalTokens(ctx, s.ContinuationToken, s.Filter, nil, nil, nil, nil)
	},
	"CreatePersonalToken": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.CreatePersonalAccessTokenRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return c.CreatePersonalToken(ctx, nil, body)
	},
	"DeletePersonalToken": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return nil, c.DeletePersonalToken(ctx, s.TokenID)
	},
	"ListTeamTokens": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListTeamTokens(ctx, s.Org, s.Team, s.ContinuationToken, s.Filter, nil, nil, nil, nil)
	},
	"CreateTeamToken": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		body, err := decodeBody[apitype.CreateTeamAccessTokenRequest](s.Body)
		if err != nil {
			return nil, err
		}
		return c.CreateTeamToken(ctx, s.Org, s.Team, nil, body)
	},
	"DeleteTeamToken": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return nil, c.DeleteTeamToken(ctx, s.Org, s.Team, s.TokenID, nil)
	},
	"ListRolesByOrgIDAndUXPurpose": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListRolesByOrgIDAndUXPurpose(ctx, s.Org, nil, apitype.PermissionDescriptorUXPurpose(s.UXPurpose))
	},
	"GetRole": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.GetRole(ctx, s.Org, s.RoleID)
	},
	"CreateRole": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		// The descriptor tree is an interface in the SDK: its own decoder picks the type by `__type`.
		fields, err := decodeBody[struct {
			Name         string          `json:"name"`
			Description  string          `json:"description"`
			ResourceType string          `json:"resourceType"`
			UxPurpose    string          `json:"uxPurpose"`
			Details      json.RawMessage `json:"details"`
		}](s.Body)
		if err != nil {
			return nil, err
		}
		var details apitype.PermissionDescriptor
		if err := apitype.UnmarshalJSONPermissionDescriptor(fields.Details, &details); err != nil {
			return nil, err
		}
		request := apitype.PermissionDescriptorBase{
			Name: fields.Name, Description: fields.Description, ResourceType: fields.ResourceType,
			UxPurpose: apitype.PermissionDescriptorUXPurpose(fields.UxPurpose), Details: details,
		}
		return c.CreateRole(ctx, s.Org, nil, request)
	},
	"DeleteRole": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		force := true
		return nil, c.DeleteRole(ctx, s.Org, s.RoleID, &force)
	},
	"ListAvailableScopes": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListAvailableScopes(ctx, s.Org)
	},
	"ListUsersWithRole": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListUsersWithRole(ctx, s.Org, s.RoleID)
	},
	"ListTeamsWithRole": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListTeamsWithRole(ctx, s.Org, s.RoleID)
	},
	"ListTeamRoles": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListTeamRoles(ctx, s.Org, s.Team)
	},
	"UpdateTeamRoles": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return nil, c.UpdateTeamRoles(ctx, s.Org, s.Team, s.RoleID)
	},
	"DeleteTeamRole": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return nil, c.DeleteTeamRole(ctx, s.Org, s.Team, s.RoleID)
	},
	"List_orgs_oidc_issuers": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.List_orgs_oidc_issuers(ctx, s.Org)
	},
	"ListAuditLogEventsHandlerV1": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListAuditLogEventsHandlerV1(ctx, s.Org, s.ContinuationToken, s.EndTime, nil, nil, s.StartTime, nil)
	},
	"ListAuditLogEventsHandlerV2": func(ctx context.Context, c *apiclient.CloudClient, s step) (any, error) {
		return c.ListAuditLogEventsHandlerV2(ctx, s.Org, s.ContinuationToken, s.EndTime, nil, nil, s.StartTime, nil)
	},
}

func newClient(baseURL, token, caFile string) (*apiclient.CloudClient, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	// Loopback only: a proxy from the environment must not see the token.
	transport.Proxy = nil
	httpClient := &http.Client{Transport: transport, Timeout: 60 * time.Second}
	return &apiclient.CloudClient{
		BaseURL: baseURL,
		// The SDK leaves authentication to the executor; Pulumi's scheme is `Authorization: token …`.
		Executor: func(req *http.Request) (*http.Response, error) {
			req.Header.Set("Authorization", "token "+token)
			return httpClient.Do(req)
		},
	}, nil
}

func run(ctx context.Context, client *apiclient.CloudClient, s step) outcome {
	perform, known := operations[s.Op]
	if !known {
		return outcome{Op: s.Op, Error: "operation not supported by this client"}
	}
	result, err := perform(ctx, client, s)
	if err != nil {
		out := outcome{Op: s.Op, Error: err.Error()}
		var apiErr *apiclient.APIError
		if errors.As(err, &apiErr) {
			out.Status = apiErr.HTTPStatusCode()
		}
		return out
	}
	return outcome{Op: s.Op, OK: true, Result: result}
}

func main() {
	baseURL := flag.String("base-url", "", "API base URL, e.g. https://127.0.0.1:8443")
	tokenFile := flag.String("token-file", "", "file holding the access token (kept off the command line)")
	caFile := flag.String("ca", "", "PEM CA to trust (default: the system roots, or SSL_CERT_FILE)")
	flag.Parse()
	if *baseURL == "" || *tokenFile == "" {
		fmt.Fprintln(os.Stderr, "usage: cloud-sdk-client -base-url URL -token-file FILE [-ca FILE] < script.jsonl")
		os.Exit(2)
	}
	raw, err := os.ReadFile(*tokenFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	client, err := newClient(strings.TrimRight(*baseURL, "/"), strings.TrimSpace(string(raw)), *caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	encoder := json.NewEncoder(os.Stdout)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		var s step
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			fmt.Fprintf(os.Stderr, "bad script line %q: %v\n", line, err)
			os.Exit(2)
		}
		if err := encoder.Encode(run(ctx, client, s)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
