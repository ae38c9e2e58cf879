package pluginapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// validKey matches the keys JetStream KV accepts, minus the leading and
// trailing dots it also rejects.
var validKey = regexp.MustCompile(`^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$`)

// ValidateKey reports whether key may be used with KV.
func ValidateKey(key string) error {
	if !validKey.MatchString(key) {
		return fmt.Errorf("%w: %q (use letters, digits and - _ = . / only)", ErrInvalidKey, key)
	}
	return nil
}

// remoteKV is the plugin side of HostKV.
type remoteKV struct{ rpc HostKVClient }

func (k *remoteKV) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	resp, err := k.rpc.Get(ctx, &KVGetRequest{Key: key})
	if err != nil {
		return nil, 0, fromStatus(err)
	}
	if !resp.GetFound() {
		return nil, 0, fmt.Errorf("%w: %q", ErrKeyNotFound, key)
	}
	return resp.GetValue(), resp.GetRevision(), nil
}

func (k *remoteKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	resp, err := k.rpc.Put(ctx, &KVPutRequest{Key: key, Value: value})
	if err != nil {
		return 0, fromStatus(err)
	}
	return resp.GetRevision(), nil
}

func (k *remoteKV) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	resp, err := k.rpc.Put(ctx, &KVPutRequest{Key: key, Value: value, ExpectedRevision: revision, CreateOnly: revision == 0})
	if err != nil {
		return 0, fromStatus(err)
	}
	return resp.GetRevision(), nil
}

func (k *remoteKV) Delete(ctx context.Context, key string) error {
	_, err := k.rpc.Delete(ctx, &KVDeleteRequest{Key: key})
	return fromStatus(err)
}

func (k *remoteKV) Keys(ctx context.Context, prefix string) ([]string, error) {
	resp, err := k.rpc.Keys(ctx, &KVKeysRequest{Prefix: prefix})
	if err != nil {
		return nil, fromStatus(err)
	}
	return resp.GetKeys(), nil
}

// fromStatus turns gRPC codes back into the SDK's sentinel errors.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case codes.NotFound:
		return fmt.Errorf("%w: %s", ErrKeyNotFound, st.Message())
	case codes.FailedPrecondition:
		return fmt.Errorf("%w: %s", ErrRevisionMismatch, st.Message())
	case codes.InvalidArgument:
		// Both sentinels travel as InvalidArgument; the message says which.
		if strings.HasPrefix(st.Message(), ErrInvalidConfig.Error()) {
			return fmt.Errorf("%w: %s", ErrInvalidConfig, trimSentinel(st.Message(), ErrInvalidConfig))
		}
		return fmt.Errorf("%w: %s", ErrInvalidKey, trimSentinel(st.Message(), ErrInvalidKey))
	}
	return errors.New(st.Message())
}

// kvServer is the host side of HostKV, serving a KV implementation.
type kvServer struct {
	UnimplementedHostKVServer
	kv KV
}

func (s *kvServer) Get(ctx context.Context, req *KVGetRequest) (*KVGetResponse, error) {
	v, rev, err := s.kv.Get(ctx, req.GetKey())
	if errors.Is(err, ErrKeyNotFound) {
		return &KVGetResponse{}, nil
	}
	if err != nil {
		return nil, toStatus(err)
	}
	return &KVGetResponse{Found: true, Value: v, Revision: rev}, nil
}

func (s *kvServer) Put(ctx context.Context, req *KVPutRequest) (*KVPutResponse, error) {
	var (
		rev uint64
		err error
	)
	if req.GetExpectedRevision() != 0 || req.GetCreateOnly() {
		rev, err = s.kv.Update(ctx, req.GetKey(), req.GetValue(), req.GetExpectedRevision())
	} else {
		rev, err = s.kv.Put(ctx, req.GetKey(), req.GetValue())
	}
	if err != nil {
		return nil, toStatus(err)
	}
	return &KVPutResponse{Revision: rev}, nil
}

func (s *kvServer) Delete(ctx context.Context, req *KVDeleteRequest) (*KVDeleteResponse, error) {
	if err := s.kv.Delete(ctx, req.GetKey()); err != nil {
		return nil, toStatus(err)
	}
	return &KVDeleteResponse{}, nil
}

func (s *kvServer) Keys(ctx context.Context, req *KVKeysRequest) (*KVKeysResponse, error) {
	keys, err := s.kv.Keys(ctx, req.GetPrefix())
	if err != nil {
		return nil, toStatus(err)
	}
	return &KVKeysResponse{Keys: keys}, nil
}
